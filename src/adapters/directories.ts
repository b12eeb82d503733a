import type { DirectoryConfig } from '../config/index.js';
import type { Directory } from '../ports/index.js';
import { createEntraDirectory } from './entra/directory.js';
import { createGoogleDirectory } from './google/directory.js';
import { createLdapDirectory } from './ldap/directory.js';
import { createOktaDirectory } from './okta/directory.js';

/** The company directory DIRECTORY names, or undefined for `none`. */
export function createCompanyDirectory(config: DirectoryConfig): Directory | undefined {
  switch (config.kind) {
    case 'none':
      return undefined;
    case 'ldap':
    case 'ad':
      return createLdapDirectory(config.kind, config.ldap);
    case 'okta':
      return createOktaDirectory(config.okta);
    case 'entra':
      return createEntraDirectory(config.entra);
    case 'google':
      return createGoogleDirectory(config.google);
  }
}
