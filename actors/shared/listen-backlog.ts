// The Stratum listener's accept queue: as deep as the kernel allows (it caps the backlog at
// net.core.somaxconn; topology/accept-queue.ts checks that cap). Its own module, so the check
// reads it without loading the Connection actor.
export const LISTEN_BACKLOG = 65_535;
