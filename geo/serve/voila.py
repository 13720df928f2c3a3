"""Voila configuration of the served deployment (`make serve`): the dashboards, and nothing else.

`make dashboard` is for one analyst on their own machine; `make serve` puts the same dashboards
on a network for colleagues, so a visitor must reach only the rendered dashboards. Voila
0.5.13 is a small Jupyter server and by default also offers a file tree (`/`, `/voila/tree`),
a contents API (`/voila/api/contents`), static files of the served folder (`/voila/files/`),
a login page and, with `--debug`, tracebacks. Load it with::

    voila dashboards --Voila.config_file_paths=deploy --Voila.ip=0.0.0.0 --port=8866

What each setting closes (checked by tests/test_serve.py, which requests every forbidden path):

- Jupyter-side routes answer 404 unless they serve a dashboard: :class:`DashboardsOnly` lets
  through only ``voila/render/<name>.ipynb`` in the served folder, that page's kernel
  (websocket, status, shutdown on close) and Voila's own page assets. It is an identity
  provider because that is the hook every Jupyter handler runs before its ``get``; Voila's
  tree and contents handlers cannot be switched off by a setting.
- ``/voila/files/`` serves nothing (empty allowlist, deny everything): the dashboards need no
  file from the folder, and `data/` is outside the served folder anyway.
- Notebook source is never sent: sources are stripped from the page, errors and tracebacks are
  stripped from outputs, template and theme cannot be overridden from the URL.
- Kernels: preheated kernels (a visitor gets a page with the map drawn at once): one per
  dashboard here, as many analyst kernels as ``atlas serve --pool-size`` says on the command
  line (default 10 with ``--public``, refilled a few at a time: geo/serve/__init__.py,
  _paced.py); closing a page shuts its kernel down (the page's own beacon, which needs the _xsrf
  cookie :class:`DashboardsOnly` sets); any kernel idle for an hour (no widget message),
  connected or not, is culled — a crashed browser, a dropped network.
- Many visitors at once: a cell's output may reach Voila seconds after the cell has finished
  when every core is busy; nbclient's default 4 s wait then drops it, and the visitor gets a
  blank page ("Timeout waiting for IOPub output": 17 of 20 pages at once on two cores, see
  benchmarks/bench_load.py). The executor waits two minutes instead.
- Uploads travel over the kernel websocket, so the websocket message limit is the transport's
  size limit; it sits a little above the data panel's own limit (geo.app MAX_UPLOAD_BYTES,
  50 MiB), so a too-large file gets the panel's clear message rather than a dropped connection.
  File types are checked in the kernel (geo.app DATA_EXTENSIONS), uploads are written only to
  a private temp dir and removed once read. (Tornado's ``max_body_size`` is an HTTP-server
  option Voila does not pass on, and no route of this deployment takes a large HTTP body.)

Binding is left to the command line: `make serve` binds 0.0.0.0 on purpose, tests bind
127.0.0.1 with the same file.
"""

from __future__ import annotations

import re

from jupyter_server.auth.identity import PasswordIdentityProvider, User
from tornado import web

c = get_config()  # noqa: F821 (provided by traitlets when it runs this file)

KERNEL_ID = r"\w+-\w+-\w+-\w+-\w+"
PUBLIC_ROUTES = re.compile(
    rf"""
      voila/render/[^/]+\.ipynb                        # a dashboard of the served folder
    | api/kernels/{KERNEL_ID}(/channels)?              # its kernel: status and websocket
    | voila/api/shutdown/{KERNEL_ID}                   # closing the page stops the kernel
    | voila/query/{KERNEL_ID}                          # request info for a preheated kernel
    | voila/(static|templates|labextensions|api/themes)/[^?]*   # the page's own assets
    """,
    re.VERBOSE,
)
"""Paths (after the base URL) a visitor may reach through a Jupyter handler; all else is 404."""


class DashboardsOnly(PasswordIdentityProvider):
    """Identify visitors of the dashboards; answer every other Jupyter route with a bare 404.

    404 rather than 403 so the server does not confirm that a tree or an API exists. The
    answer is finished here (``web.Finish``) rather than raised as an HTTPError, because
    Jupyter's error page needs the user this method has not returned.
    """

    def get_user(self, handler: web.RequestHandler) -> User | None:
        base = handler.base_url
        path = handler.request.path
        relative = path[len(base):] if path.startswith(base) else None
        if relative is None or ".." in relative or not PUBLIC_ROUTES.fullmatch(relative):
            handler.clear()
            handler.set_status(404)
            handler.set_header("Content-Type", "text/plain; charset=UTF-8")
            raise web.Finish("404: Not Found")
        user = super().get_user(handler)
        if relative.startswith("voila/render/"):
            # Voila 0.5.13 serves a preheated page without ever creating the _xsrf cookie its
            # own beforeunload beacon needs to shut the page's kernel down (403 "'_xsrf'
            # argument missing"), so every closed page kept its kernel until culled. Reading
            # the token (which needs the user) sets the cookie on the page's response.
            handler.current_user = user
            _ = handler.xsrf_token
        return user


c.Voila.identity_provider_class = DashboardsOnly
c.Voila.open_browser = False

c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.strip_sources = True
c.VoilaConfiguration.allow_template_override = "NO"
c.VoilaConfiguration.allow_theme_override = "NO"
c.VoilaConfiguration.file_allowlist = []
c.VoilaConfiguration.file_denylist = [".*"]
c.VoilaConfiguration.preheat_kernel = True
c.VoilaConfiguration.default_pool_size = 1
# the Python kernel without debugger, input history or an arena per thread (geo/serve/_kernel.py)
c.VoilaConfiguration.kernel_spec_manager_class = "geo.serve._kernel.DashboardKernelSpecs"

c.VoilaExecutor.iopub_timeout = 120

c.MappingKernelManager.cull_idle_timeout = 3600
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = True

c.Voila.tornado_settings = {
    "websocket_max_message_size": 64 * 2**20,
    "serve_traceback": False,
    "headers": {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    },
}
