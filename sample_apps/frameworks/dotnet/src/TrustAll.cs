// A .NET for Android app's networking that accepts every certificate, three ways.
using System;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Demo.App
{
    public static class Api
    {
        const string Base = "https://api.pinscan-demo.example/v1/";

        // A lambda: the compiler puts it on a closure class and caches the delegate.
        public static HttpClient Create()
        {
            var handler = new HttpClientHandler();
            handler.ServerCertificateCustomValidationCallback = (message, cert, chain, errors) => true;
            return new HttpClient(handler) { BaseAddress = new Uri(Base) };
        }

        // A named method assigned to the process-wide ServicePointManager callback.
        public static void Legacy()
        {
            ServicePointManager.ServerCertificateValidationCallback = AcceptAll;
        }

        static bool AcceptAll(object sender, X509Certificate certificate, X509Chain chain,
                              SslPolicyErrors errors)
        {
            return true;
        }

        // .NET's own accept-anything validator.
        public static HttpClientHandler Dangerous()
        {
            var handler = new HttpClientHandler();
            handler.ServerCertificateCustomValidationCallback =
                HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
            return handler;
        }

        // An SslStream given a callback that accepts anything.
        public static SslStream Raw(TcpClient client)
        {
            return new SslStream(client.GetStream(), false, AcceptAll);
        }
    }
}
