// A stand-in for Unity's UnityEngine.UnityWebRequestModule: only the type the game derives
// from, with the namespace and signature Unity documents. It is compiled only so that
// Assembly-CSharp.dll references it the way a real Unity build does; it is not shipped.
namespace UnityEngine.Networking
{
    public class CertificateHandler
    {
        protected virtual bool ValidateCertificate(byte[] certificateData) { return false; }
    }
}
