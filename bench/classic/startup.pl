% Start-up: a one-clause program and the goal true.
p.
