"""Alembic environment of the hub: always run programmatically on a connection it is given.

``sync.hub.db.migrate`` passes an open connection in ``config.attributes["connection"]``;
no alembic.ini is read at runtime.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the hub's migrations with `himaya-hub migrate`")

context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
