// the simulation run, its histories and views live in Pwmk.Cluster (one implementation for plain serve and cluster grains)
global using MetricPoint = Pwmk.Cluster.Simulation.MetricPoint;
global using MetricHistory = Pwmk.Cluster.Simulation.MetricHistory;
global using SimulationRun = Pwmk.Cluster.Simulation.SimulationRun;
global using SimulationStatus = Pwmk.Cluster.Simulation.SimulationStatus;
global using AgentView = Pwmk.Cluster.Simulation.AgentView;
