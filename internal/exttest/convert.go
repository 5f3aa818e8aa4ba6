package exttest

import (
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

func toPB(f *history.FailureDetails) *pb.TaskFailureDetails {
	if f == nil {
		return nil
	}
	out := &pb.TaskFailureDetails{ErrorType: f.ErrorType, ErrorMessage: f.ErrorMessage, InnerFailure: toPB(f.InnerFailure), IsNonRetriable: f.IsNonRetriable}
	if f.StackTrace != "" {
		out.StackTrace = wrapperspb.String(f.StackTrace)
	}
	return out
}
