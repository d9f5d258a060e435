"""The gradcli language: settings, the sandboxed interpreter and the runner.

Programs are untrusted: the interpreter runs an allow-list of ``ast`` nodes over
the names ``sandbox`` binds, inside the limits of ``settings``.  Imports ``api``,
``core`` and ``errors`` only.
"""
