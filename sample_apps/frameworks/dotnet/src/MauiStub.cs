// A stand-in named like a framework assembly (Microsoft.Maui.dll): pinscan counts such
// assemblies as framework code and does not analyse their IL.
namespace Microsoft.Maui
{
    public static class Stub
    {
        public static string Name() { return "https://stub.pinscan-demo.example/"; }
    }
}
