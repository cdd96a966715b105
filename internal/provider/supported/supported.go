// Package supported links every provider type this build supports into the registry: import
// it for its side effect. Adding a provider type adds one line here.
package supported

import (
	_ "github.com/wagov/wagov/internal/provider/evolution"
	_ "github.com/wagov/wagov/internal/provider/gowa"
	_ "github.com/wagov/wagov/internal/provider/quickgateway"
	_ "github.com/wagov/wagov/internal/provider/twochat"
	_ "github.com/wagov/wagov/internal/provider/waha"
	_ "github.com/wagov/wagov/internal/provider/wasend"
	_ "github.com/wagov/wagov/internal/provider/wawp"
)
