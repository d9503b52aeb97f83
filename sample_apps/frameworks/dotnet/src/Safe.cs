// Default validation: no callback at all.
using System;
using System.Net.Http;

namespace Demo.Safe
{
    public static class Api
    {
        public static HttpClient Create()
        {
            return new HttpClient { BaseAddress = new Uri("https://safe.pinscan-demo.example/") };
        }
    }
}
