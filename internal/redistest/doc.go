// Package redistest holds the Redis store's process-level tests: several
// worker processes sharing one hub while one is killed and another joins,
// and a Redis server killed and restarted under load. They start real
// redis-server processes (internal/redisserver) and re-execute the test
// binary as worker processes.
package redistest
