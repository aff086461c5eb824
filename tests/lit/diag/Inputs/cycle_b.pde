import "cycle_a.pde"
