# Loaded at start-up by LocalStack's Python in host mode (PYTHONPATH, set by dev/localstack/start.ts only).
# LocalStack 4.4.0 drops the host of GATEWAY_LISTEN for IPv4 (a TCP4ServerEndpoint without interface), so its
# gateway would listen on every interface; the local stack listens on 127.0.0.1 only. An IPv4 server endpoint
# without an interface gets the loopback one.
try:
    from twisted.internet import endpoints as _endpoints
except ImportError:  # not LocalStack's venv: nothing to do
    _endpoints = None

if _endpoints is not None:
    _original_init = _endpoints.TCP4ServerEndpoint.__init__

    def _loopback_init(self, reactor, port, backlog=50, interface=""):
        _original_init(self, reactor, port, backlog, interface or "127.0.0.1")

    _endpoints.TCP4ServerEndpoint.__init__ = _loopback_init
