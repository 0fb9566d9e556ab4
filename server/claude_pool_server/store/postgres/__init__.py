"""PostgresStore and its schema, migrations and embedded server."""

import logging

# Alembic logs its plugin set-up and migration context at INFO on every start: noise for users.
logging.getLogger("alembic").setLevel(logging.WARNING)
