// A Unity game's scripts: a CertificateHandler that accepts every certificate, and the URL
// it is used with.
using UnityEngine.Networking;

public class AcceptAllCertificates : CertificateHandler
{
    protected override bool ValidateCertificate(byte[] certificateData)
    {
        return true;
    }
}

public class Endpoints
{
    public static string Scores()
    {
        return "https://scores.pinscan-demo.example/api";
    }
}
