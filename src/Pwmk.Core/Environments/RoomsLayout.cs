namespace Pwmk.Core.Environments;

/// <summary>The fixed shape of a <see cref="RoomsWorld"/>: rooms, their containers, the objects and where objects start.</summary>
public sealed class RoomsLayout
{
    private readonly List<string> _rooms = [];
    private readonly List<(string Name, string Room)> _containers = [];
    private readonly List<string> _objects = [];
    private readonly Dictionary<string, string> _initial = [];

    public IReadOnlyList<string> Rooms => _rooms;
    public IReadOnlyList<(string Name, string Room)> Containers => _containers;
    public IReadOnlyList<string> Objects => _objects;

    /// <summary>Initial container of objects placed before the episode starts.</summary>
    public IReadOnlyDictionary<string, string> InitialPlacement => _initial;

    public RoomsLayout AddRoom(string room)
    {
        if (!_rooms.Contains(room)) _rooms.Add(room);
        return this;
    }

    /// <summary>Adds a container to a room (adding the room when new).</summary>
    public RoomsLayout AddContainer(string container, string room)
    {
        AddRoom(room);
        int i = _containers.FindIndex(c => c.Name == container);
        if (i >= 0 && _containers[i].Room != room)
            throw new ArgumentException($"container '{container}' is already in room '{_containers[i].Room}', not '{room}'");
        if (i < 0) _containers.Add((container, room));
        return this;
    }

    /// <summary>Adds an object, optionally placed in a known container from the start.</summary>
    public RoomsLayout AddObject(string obj, string? initialContainer = null)
    {
        if (!_objects.Contains(obj)) _objects.Add(obj);
        if (initialContainer is not null)
        {
            if (!_containers.Exists(c => c.Name == initialContainer)) throw new ArgumentException($"unknown container '{initialContainer}'");
            _initial[obj] = initialContainer;
        }
        return this;
    }

    public bool HasContainer(string container) => _containers.Exists(c => c.Name == container);
}
