from tests.integration.fixtures import config, database_url, launcher, shared_broker, smtp, staff, twilio

__all__ = ["config", "database_url", "launcher", "shared_broker", "smtp", "staff", "twilio"]
