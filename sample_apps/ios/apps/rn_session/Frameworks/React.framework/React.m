// React.framework (rn_session): keeps the provider that RCTHTTPRequestHandler would ask for
// its session configuration. Built as a dylib with install name @rpath/React.framework/React.
// Nothing here is ever run.
#import "React.h"

static RCTSessionConfigurationProvider gProvider;

void RCTSetCustomNSURLSessionConfigurationProvider(RCTSessionConfigurationProvider provider) {
    gProvider = provider;
}
