// The five services: name, port and entry point. One place for start, test and benchmark scripts.
export const SERVICES = [
  { name: 'intake', port: 3001 },
  { name: 'classifier', port: 3002 },
  { name: 'assignment', port: 3003 },
  { name: 'notification', port: 3004 },
  { name: 'sla-timer', port: 3005 },
].map((service) => ({ ...service, entry: `apps/${service.name}/src/main.ts` }));
