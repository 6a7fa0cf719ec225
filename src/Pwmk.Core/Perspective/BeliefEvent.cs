namespace Pwmk.Core.Perspective;

/// <summary>
/// One observed change (or sighting) of a fluent's value, with the agents who witnessed it.
/// <see cref="Sight"/>[a] is the set of agents that agent a could see at that moment; it decides the
/// nested beliefs (a believes b believes P only if a saw b witness P). Agent sets are bit masks over
/// agent ids of a <see cref="BeliefVocabulary"/>.
/// </summary>
public readonly record struct BeliefEvent(int Fluent, int Value, ulong Witnesses, ulong[] Sight);
