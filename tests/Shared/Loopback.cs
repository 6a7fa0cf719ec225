using System.Net;
using System.Net.Sockets;

namespace Pwmk.Tests.Shared;

/// <summary>Loopback helpers shared by the test projects that run servers and collectors.</summary>
internal static class Loopback
{
    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

/// <summary>A collector that accepts connections and never answers (the sockets are held open until disposed).</summary>
internal sealed class SilentCollector : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];

    public SilentCollector()
    {
        _listener.Start();
        _ = Task.Run(() =>
        {
            try
            {
                while (true)
                {
                    var s = _listener.AcceptSocket();
                    lock (_held) _held.Add(s);
                }
            }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _listener.Stop();
        lock (_held)
            foreach (var s in _held) s.Dispose();
    }
}
