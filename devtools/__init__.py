"""Development tools: the development chat (page under /dev/ and `manage.py chat`) and the WhatsApp payload
builders shared by it, the tests and the benchmarks (`devtools.payloads`). Installed and routed only while
DEBUG and MOCK_TESTING_ENABLED are both on (config/settings/__init__.py, config/urls.py)."""
