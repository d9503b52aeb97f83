// A stand-in for TrustKit.framework (the real one is not packaged anywhere this build can
// fetch): the class and the entry point an app calls, so the bundle looks as it does when
// TrustKit is embedded. Nothing here is ever run.
#import <Foundation/Foundation.h>

@interface TrustKit : NSObject
+ (void)initSharedInstanceWithConfiguration:(NSDictionary *)configuration;
@end

@interface TSKPinningValidator : NSObject
@end
