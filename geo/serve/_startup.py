"""What a server of ours does once, when it starts, so that no visitor waits for it.

:class:`~geo.serve._kernel.DashboardKernelSpecs` calls :func:`server_started`: Voila creates it
while it starts, and it is the one class of ours that every server we start creates.

- The first page after a start took 0.55 s to its first byte, later ones 0.09 s: the page
  templates were compiled (:mod:`geo.serve._templates`, 0.45 s), and the first kernel start
  made jupyter_client list this machine's addresses by importing psutil (0.57 s in a profile,
  partly overlapping). Both are paid here now, with the kernel specs every page reads.
- traitlets leaves the app's logger at DEBUG and filters in its handler (INFO unless
  ``--debug``), so every ``log.debug`` of the server built a record that no handler wanted:
  the kernel activity tracker alone logs one per IOPub message, ~640 of them per page open of
  the analyst dashboard (~80 ms of the server's thread in a profile). The logger's own level is
  raised to what its handlers let through.
- Kernel websockets are made to send without Nagle's wait (:mod:`geo.serve._socket`): the small
  messages after an hour change's cells waited up to 40 ms for an ack.
"""

from __future__ import annotations

import logging

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.localinterfaces import localhost

from geo.serve._socket import send_promptly
from geo.serve._templates import compile_page_templates


def server_started(specs: KernelSpecManager, template: str) -> None:
    """Pay the first page's one-off costs now, stop building unheard log records, and send
    kernel messages without delay (``specs.parent``: the Voila app, whose web settings are
    made after its kernel specs)."""
    skip_unheard_records(specs.log)
    if specs.parent is not None:
        send_promptly(specs.parent)
    compile_page_templates(template)
    localhost()
    specs.get_all_specs()


def skip_unheard_records(log: logging.Logger | logging.LoggerAdapter) -> None:
    """Raise ``log``'s level to the lowest of its handlers' when all of them are set above it
    (a record below every handler's level would be built only to be dropped)."""
    logger = log.logger if isinstance(log, logging.LoggerAdapter) else log
    levels = [handler.level for handler in logger.handlers]
    if levels and min(levels) > logger.level and logger.propagate is False:
        logger.setLevel(min(levels))
