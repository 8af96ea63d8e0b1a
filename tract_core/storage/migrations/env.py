"""Alembic environment: tract runs migrations on a connection it hands over (see storage.engine)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
