"""What the commands show about a program's run: its graph, gradients, the
backward pass step by step and the three-way gradient check.

Only this layer imports sympy (lazily: start-up is a feature).  Imports ``lang``
and below, never ``cli``.
"""
