from tests.test_translations import compiled_locale  # noqa: F401  (the catalogues, compiled for the test)
