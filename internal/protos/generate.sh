#!/usr/bin/env bash
# Regenerates the Go code of the Durable Task protocol from schema/.
#
# schema/orchestrator_service.proto is microsoft/durabletask-protobuf's
# protos/orchestrator_service.proto at commit $SCHEMA_COMMIT, unmodified
# (MIT licence: schema/LICENSE). Needs protoc (apt-get install
# protobuf-compiler) and the two Go plugins:
#   GOBIN=/tmp/gobin go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.10
#   GOBIN=/tmp/gobin go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1
#   PATH=/tmp/gobin:$PATH go generate ./internal/protos
#
# The schema declares no proto package, so its messages register in the
# protobuf runtime under bare names ("OrchestratorRequest") and file path
# "orchestrator_service.proto". Another generated copy in the same binary
# (durabletask-go's, which our tests link) would make the runtime panic at
# start-up on the name clash. So the copy we compile gets a package line
# and a path of its own; message names never travel on the wire, so the
# bytes are unchanged. gRPC method paths do travel ("/TaskHubSidecarService/
# StartInstance"), so the generated service code is rewritten back to the
# schema's unqualified service name.
set -euo pipefail
SCHEMA_COMMIT=67a2f1d3b9ea8a210eb86addb636a5d8a6484dbc
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/godurable"
sed 's|^option go_package = .*|option go_package = "github.com/godurable/durablefunctions/internal/protos";\npackage godurable.durabletask;|' \
  schema/orchestrator_service.proto > "$tmp/godurable/orchestrator_service.proto"
protoc -I "$tmp" --go_out="$tmp" --go_opt=paths=source_relative \
  --go-grpc_out="$tmp" --go-grpc_opt=paths=source_relative \
  godurable/orchestrator_service.proto
cp "$tmp/godurable/orchestrator_service.pb.go" orchestrator_service.pb.go
sed -e 's|"/godurable\.durabletask\.TaskHubSidecarService/|"/TaskHubSidecarService/|g' \
    -e 's|ServiceName: "godurable\.durabletask\.TaskHubSidecarService"|ServiceName: "TaskHubSidecarService"|' \
  "$tmp/godurable/orchestrator_service_grpc.pb.go" > orchestrator_service_grpc.pb.go
if grep -q 'godurable\.durabletask\.TaskHubSidecarService' orchestrator_service_grpc.pb.go; then
  echo "generate.sh: the service name rewrite missed a spot" >&2
  exit 1
fi
