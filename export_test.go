package blasctl

// Internals the external tests need.

// ThreadID is the calling OS thread's id.
var ThreadID = threadID
