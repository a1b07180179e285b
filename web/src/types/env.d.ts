/** Build-time variables Next inlines into the browser bundle (`NEXT_PUBLIC_*`). */
declare const process: { env: { readonly NEXT_PUBLIC_SERVER_URL?: string } };
