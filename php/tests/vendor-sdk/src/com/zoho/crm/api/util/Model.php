<?php
namespace com\zoho\crm\api\util;

/**
 * This class is a common module object. This stands as a POJO for any class.
 */
interface Model
{

}