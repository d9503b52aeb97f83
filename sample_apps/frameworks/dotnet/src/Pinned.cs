// Validation callbacks that pin: the leaf's public key, and the leaf certificate's SHA-256.
using System;
using System.Linq;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Demo.Pinned
{
    public static class Api
    {
        const string LeafKey = "3082010A0282010100AE535BDCACC361985937BF5174BA052D76D0A06CDFBFF372B5B18A25550835FEAF3E78E60DD8FF99FB49942177ED527E4BCE6D337F7F5935495C8476D4E0D98F28B0A75D66953977908BDB9CAA9C175613B3EC3BFD5EDAF4B4540030EAFD9907368035A8ECC568CC0C5891860F99EAD613DDB2924B5385DD7F0DB0BAA4EAC7AFA37F736D8E527CDA8D390D536BE354DE6C0730E072FA1697A874A6F45BF67722EFEFA40FAEC57C6C667F926CED57BBD0B3BD65795FA289192DB0EE39E2CCFCA9098C27509A5C3A231B00FDB0C79353329F4DD85A6C4298A48234C7127A245EEF6AE3F8314CEE57D7B806FB07B44B55E1F4681FF7B394EADF78D2ABE4EFEF16770203010001";
        const string LeafSha256 = "9F1462E2C273AC0CCD9591D872D76D0E16374FC9B87113BD4EB405C653BBF33D";

        public static HttpClient Create()
        {
            var handler = new HttpClientHandler();
            handler.ServerCertificateCustomValidationCallback = CheckKey;
            return new HttpClient(handler) { BaseAddress = new Uri("https://pinned.pinscan-demo.example/") };
        }

        static bool CheckKey(HttpRequestMessage message, X509Certificate2 cert, X509Chain chain,
                             SslPolicyErrors errors)
        {
            return errors == SslPolicyErrors.None && cert.GetPublicKeyString() == LeafKey;
        }

        public static HttpClient CreateByHash()
        {
            var handler = new HttpClientHandler();
            handler.ServerCertificateCustomValidationCallback = CheckHash;
            return new HttpClient(handler);
        }

        static bool CheckHash(HttpRequestMessage message, X509Certificate2 cert, X509Chain chain,
                              SslPolicyErrors errors)
        {
            using (var sha = SHA256.Create())
            {
                var hex = BitConverter.ToString(sha.ComputeHash(cert.GetRawCertData())).Replace("-", "");
                return hex == LeafSha256;
            }
        }
    }
}
