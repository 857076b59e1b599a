/**
 * When an island's HTML reached the browser (epoch ms): the page's first byte
 * for islands that came with the page, the moment of insertion for those the
 * live stream swapped in. `null` on the server. The clock estimate needs it:
 * hydration itself may come a second later on a slow device.
 */
import { createContext } from "preact";

export const Arrival = createContext<number | null>(null);
