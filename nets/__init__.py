"""The tutorial's L-layer binary classifier built on autograd_mini."""
