// Stand-in TrustKit (see TrustKit.h): empty bodies, only the names matter to a scanner.
#import "TrustKit.h"

@implementation TrustKit
+ (void)initSharedInstanceWithConfiguration:(NSDictionary *)configuration {
}
@end

@implementation TSKPinningValidator
@end
