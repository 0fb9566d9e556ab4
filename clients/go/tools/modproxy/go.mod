module github.com/claude-pool/claude-pool/clients/go/tools/modproxy

go 1.26.0

require golang.org/x/mod v0.43.0
