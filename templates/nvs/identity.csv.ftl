key,type,encoding,value
${identity.csv.namespace},namespace,,
<#if !identity.thingNamePinned>
${identity.csv.thingNameKey},data,string,THING_NAME
</#if>
${identity.csv.endpointKey},data,string,${identity.endpoint}
${identity.csv.deviceCertKey},file,string,cert.pem
${identity.csv.privateKeyKey},file,string,key.pem
<#if identity.wifiInIdentityPartition>
${identity.csv.wifiNamespace},namespace,,
${identity.csv.wifiSsidKey},data,string,WIFI_SSID
${identity.csv.wifiPasswordKey},data,string,WIFI_PASSWORD
</#if>
