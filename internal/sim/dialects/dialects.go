// Package dialects links every provider dialect into the simulator: import it for its side
// effect. Adding a provider type adds one line here.
package dialects

import (
	_ "github.com/wagov/wagov/internal/sim/evolution"
	_ "github.com/wagov/wagov/internal/sim/gowa"
	_ "github.com/wagov/wagov/internal/sim/quickgateway"
	_ "github.com/wagov/wagov/internal/sim/twochat"
	_ "github.com/wagov/wagov/internal/sim/waha"
	_ "github.com/wagov/wagov/internal/sim/wasend"
	_ "github.com/wagov/wagov/internal/sim/wawp"
)
