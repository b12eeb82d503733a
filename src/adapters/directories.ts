import type { DirectoryConfig } from '../config/index.js';
import type { Directory } from '../ports/index.js';

/**
 * The company directory DIRECTORY names, or undefined for `none`. Only that directory's adapter is loaded: the
 * cloud SDKs are large (the Okta SDK alone holds about 30 MB of heap once imported, the four together about 40 MB),
 * and a heap that never holds them is cheaper to collect under a burst of requests.
 */
export async function createCompanyDirectory(config: DirectoryConfig): Promise<Directory | undefined> {
  switch (config.kind) {
    case 'none':
      return undefined;
    case 'ldap':
    case 'ad': {
      const { createLdapDirectory } = await import('./ldap/directory.js');
      return createLdapDirectory(config.kind, config.ldap);
    }
    case 'okta': {
      const { createOktaDirectory } = await import('./okta/directory.js');
      return createOktaDirectory(config.okta);
    }
    case 'entra': {
      const { createEntraDirectory } = await import('./entra/directory.js');
      return createEntraDirectory(config.entra);
    }
    case 'google': {
      const { createGoogleDirectory } = await import('./google/directory.js');
      return createGoogleDirectory(config.google);
    }
  }
}
