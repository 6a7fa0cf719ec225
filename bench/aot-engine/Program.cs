using Pwmk.Bench.Beliefs;

// PWMK's side of `pwmk-bench beliefs --host aot`, compiled ahead of time: one scenario in one process, the same code as
// the JIT host (BeliefEngine). Arguments: SCENARIO DIR [N]; prints RESULT lines and the checksum line.
return BeliefEngine.Run(args);
