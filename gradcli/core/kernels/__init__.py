"""Bit-exact ports of PyTorch's numeric kernels to numpy.

``reduce`` (torch's sum order), ``sleef`` (SLEEF/glibc exp, log, pow... to the last
bit) and ``random`` (torch's CPU generator and its transforms).  They take and give
numpy arrays and import nothing else of gradcli.
"""
