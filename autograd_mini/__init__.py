"""autograd_mini: a small graph-based reverse-mode autodiff engine over numpy arrays."""
