import "cycle_b.pde"
