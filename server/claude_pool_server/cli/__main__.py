"""`python -m claude_pool_server.cli`: the `claude-pool` command."""

import sys

from claude_pool_server.cli import main

sys.exit(main())
