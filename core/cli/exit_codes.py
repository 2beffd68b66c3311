"""The command line's exit codes: what a shell or a script can tell apart without reading stderr."""

EXIT_FAILED = 1  # training went wrong (it diverged), or a bug (a worker process failed)
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
#: 128 + SIGTERM: what a shell, systemd or Docker expect of a process ended by SIGTERM, so they can tell
#: "asked to stop" from Ctrl-C, although the cleanup is the same.
EXIT_TERMINATED = 143
