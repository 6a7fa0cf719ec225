using System.CommandLine;

namespace Pwmk.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var cmd = new Command("serve", "Run PWMK as a service (simulation, belief store, API, web UI, metrics)");
        cmd.SetAction(_ =>
        {
            Console.WriteLine("pwmk serve: the server is not built yet; see the open issues.");
            return Program.Ok;
        });
        return cmd;
    }
}
