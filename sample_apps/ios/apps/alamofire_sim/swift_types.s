// alamofire_sim: stand-ins for the Swift type metadata of Alamofire 5's trust evaluators,
// as if Alamofire were linked statically into the app. Only data, no instructions, so the
// same file assembles for arm64 and x86_64. These are NOT complete Swift context
// descriptors: each has the real layout's first fields (flags, relative pointer to the
// parent module, relative pointer to the name, then zeros), which is enough for a
// scanner that reads __swift5_types -> descriptor -> name, or just the symbol table.
//
// Symbol names are Swift-mangled: $s 9Alamofire <len><TypeName> C (class) Mn (nominal
// type descriptor); the module descriptor is $s9AlamofireMXM.

    .section __TEXT,__cstring,cstring_literals
l_module_name:
    .asciz "Alamofire"
l_name_server_trust_manager:
    .asciz "ServerTrustManager"
l_name_pinned_certificates:
    .asciz "PinnedCertificatesTrustEvaluator"
l_name_public_keys:
    .asciz "PublicKeysTrustEvaluator"
l_name_disabled:
    .asciz "DisabledTrustEvaluator"

    .section __TEXT,__const
    .p2align 2
    .globl "_$s9AlamofireMXM"
"_$s9AlamofireMXM":
    .long 0x00000000                        // flags: kind = module
    .long 0                                 // parent: none
    .long l_module_name - .                 // name

    .p2align 2
    .globl "_$s9Alamofire18ServerTrustManagerCMn"
"_$s9Alamofire18ServerTrustManagerCMn":
    .long 0x80000050                        // flags: kind = class, unique, has vtable
    .long "_$s9AlamofireMXM" - .            // parent: the module
    .long l_name_server_trust_manager - .   // name
    .long 0, 0, 0, 0, 0, 0, 0               // access function, fields, superclass, sizes

    .p2align 2
    .globl "_$s9Alamofire32PinnedCertificatesTrustEvaluatorCMn"
"_$s9Alamofire32PinnedCertificatesTrustEvaluatorCMn":
    .long 0x80000050
    .long "_$s9AlamofireMXM" - .
    .long l_name_pinned_certificates - .
    .long 0, 0, 0, 0, 0, 0, 0

    .p2align 2
    .globl "_$s9Alamofire24PublicKeysTrustEvaluatorCMn"
"_$s9Alamofire24PublicKeysTrustEvaluatorCMn":
    .long 0x80000050
    .long "_$s9AlamofireMXM" - .
    .long l_name_public_keys - .
    .long 0, 0, 0, 0, 0, 0, 0

    .p2align 2
    .globl "_$s9Alamofire22DisabledTrustEvaluatorCMn"
"_$s9Alamofire22DisabledTrustEvaluatorCMn":
    .long 0x80000050
    .long "_$s9AlamofireMXM" - .
    .long l_name_disabled - .
    .long 0, 0, 0, 0, 0, 0, 0

// The list of type descriptors the Swift runtime reads (relative pointers).
    .section __TEXT,__swift5_types,regular,no_dead_strip
// Each entry has its own label: x86_64 needs a symbol on both sides of the subtraction.
    .p2align 2
l_swift5_types_0:
    .long "_$s9Alamofire18ServerTrustManagerCMn" - l_swift5_types_0
l_swift5_types_1:
    .long "_$s9Alamofire32PinnedCertificatesTrustEvaluatorCMn" - l_swift5_types_1
l_swift5_types_2:
    .long "_$s9Alamofire24PublicKeysTrustEvaluatorCMn" - l_swift5_types_2
l_swift5_types_3:
    .long "_$s9Alamofire22DisabledTrustEvaluatorCMn" - l_swift5_types_3

// Mangled type references, as the compiler writes them for field and generic metadata.
    .section __TEXT,__swift5_typeref,regular,no_dead_strip
    .asciz "9Alamofire18ServerTrustManagerC"
    .asciz "9Alamofire32PinnedCertificatesTrustEvaluatorC"
    .asciz "9Alamofire24PublicKeysTrustEvaluatorC"
    .asciz "9Alamofire22DisabledTrustEvaluatorC"

    .subsections_via_symbols
