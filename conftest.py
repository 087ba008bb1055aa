"""Root conftest: the local-stack fixtures are a plugin so that one stack serves every suite."""

pytest_plugins = ["tests.stack"]
