key,type,encoding,value
${identity.csv.namespace},namespace,,
<#if !identity.thingNamePinned>
${identity.csv.thingNameKey},data,string,THING_NAME
</#if>
${identity.csv.endpointKey},data,string,${identity.endpoint}
${identity.csv.deviceCertKey},file,string,cert.pem
${identity.csv.privateKeyKey},file,string,key.pem
<#if claim??>
${identity.csv.claimCertKey},file,string,claim-cert.pem
${identity.csv.claimKeyKey},file,string,claim-key.pem
</#if>
<#if identity.wifiInIdentityPartition>
${identity.csv.wifiNamespace},namespace,,
${identity.csv.wifiSsidKey},data,string,WIFI_SSID
${identity.csv.wifiPasswordKey},data,string,WIFI_PASSWORD
</#if>
