// A callback that decides on the policy errors only: pinscan reports it as a callback.
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Demo.Inspecting
{
    public static class Api
    {
        public static HttpClient Create()
        {
            var handler = new HttpClientHandler();
            handler.ServerCertificateCustomValidationCallback = Check;
            return new HttpClient(handler);
        }

        static bool Check(HttpRequestMessage message, X509Certificate2 cert, X509Chain chain,
                          SslPolicyErrors errors)
        {
            return errors == SslPolicyErrors.None || cert.Subject.Contains("pinscan-demo.example");
        }
    }
}
