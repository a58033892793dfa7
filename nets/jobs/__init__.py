"""One module per command of ``nets``: what the command does, callable from Python, returning plain data.

``train``, ``predict``, ``reproduce``, ``gradcheck``, ``graph``, ``sharpness``
``audit`` and ``derive``; :mod:`.runs` holds what they share (run folders made and
undone, the built-in data). :mod:`nets.cli` only parses the arguments, calls
the job and prints what it returns.
"""
