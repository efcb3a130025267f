import { stopE2eResources } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await stopE2eResources();
}
