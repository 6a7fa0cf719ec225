using System.Net;
using System.Net.Sockets;

namespace Pwmk.Tests.Shared;

/// <summary>Loopback helpers shared by the test projects that run servers and collectors.</summary>
internal static class Loopback
{
    /// <summary>
    /// A loopback port nobody uses right now, below the kernel's ephemeral range: a port from that range (what binding port 0
    /// gives) can be taken by any outgoing connection between this call and the server's bind ("address already in use").
    /// </summary>
    public static int FreePort()
    {
        int below = EphemeralLow();
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int port = Random.Shared.Next(Math.Min(20_000, below / 2), below);
            try
            {
                var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                l.Stop();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }
        throw new InvalidOperationException($"no free loopback port below {below}");
    }

    /// <summary>The first port of Linux's ephemeral range (32768 where it cannot be read).</summary>
    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (int.TryParse(range[0], out int low) && low > 2048) return low;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 32768;
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
